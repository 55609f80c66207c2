"""Pure text functions (no Flask, no database): normalisation, markup, tokens, PII masking."""
