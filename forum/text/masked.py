"""A post body as exports show it: plain text with personal information masked. Pure.

Kept on each post (``Post.masked_text``) because masking 100,000 bodies at export time costs more
than the export may take; ``MASK_VERSION`` goes up whenever the plain-text or PII rules change, so
older copies are worked out again when read.
"""

from __future__ import annotations

from forum.text.markup import to_plain_text
from forum.text.pii import mask_pii

MASK_VERSION = 2  # 2: postal codes introduced by words, block-number addresses after a place name


def masked_plain_text(body: str) -> str:
    return mask_pii(to_plain_text(body))
