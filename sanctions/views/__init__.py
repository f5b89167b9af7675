"""The inspection office's pages, one module per topic: the queue and a violation, a
decision and its steps, recording a founded complaint or a finding, and the register.

Every step posts one form to one view, which runs it through accountability.actions; a
refusal, a conflict or invalid entries re-show the page with the form as filled in and
the reason. Permissions are asked of the rules themselves: an administrator's blanket
rights do not open these pages.
"""
