"""Pure interaction-ban detectors: stdlib and mwparserfromhell only.

Never import bot, pywikibot, requests or sqlalchemy here; take the time from the event.
"""
