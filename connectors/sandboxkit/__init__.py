"""Shared kit of the sandboxes: per-account knobs, fault injection, paging, the knobs form.

Both sandboxes (Asperion and Feeddex) import from here, so that a fault looks the same
whichever system a connector talks to.
"""
