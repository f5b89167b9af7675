"""Evidence on file (附件 / 证据, issue 23 part 3): files attached to any record an app
registers (a case, a one-time notice, a pledge, a violation, an appeal), each with its
SHA-256, its type checked by content and its size limited; never deleted, only superseded.

The lowest app holds it so that every app can attach. Who may see or add a file follows
who may see or act on the record it is attached to, which the owning app registers
(`registry.attachable_register`); a file marked as the complainant's is shown only to
whom the owning app lets see the complainant's identity.
"""
