"""Features: the normalizer transformer, hashed n-gram counts, TF-IDF over kept columns, the feature cache.

Names are imported from their modules on first use (:func:`arclf.util.lazy.lazy_exports`).
"""

from arclf.util.lazy import lazy_exports

__all__ = [
    "ArabicNormalizer", "FeatureCache", "HashedTfidf", "HashingNgramVectorizer", "build_features",
    "build_tfidf",
]

__getattr__, __dir__ = lazy_exports(__name__, {
    "ArabicNormalizer": "normalizer", "HashingNgramVectorizer": "hashing", "build_features":
    "hashing", "HashedTfidf": "tfidf", "build_tfidf": "tfidf", "FeatureCache": "cache",
})
