"""Text as ``str``: decoding bytes and Arabic orthographic normalization (no scikit-learn).

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "STEPS", "decode_bytes", "has_arabic", "normalize_for_dedup", "normalize_text",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "decode_bytes": "decode", "has_arabic": "decode", "normalize_text": "normalize",
    "normalize_for_dedup": "normalize", "STEPS": "normalize",
})
