"""A size-capped on-disk cache of featurized corpora (raw hashed n-gram counts).

The featurizer is stateless, so its output depends only on the texts and its parameters: the key
is SHA-256 of both. A run that differs from an earlier one only in the classifier (or TF-IDF
settings) skips featurization. Files are scipy ``.npz`` (uncompressed), written atomically; the
oldest are evicted past ``max_bytes``.
"""

from __future__ import annotations

import hashlib
import json
import os
from arclf.util.files import atomic_path, remove_stale_temporaries
from pathlib import Path

__all__ = ["FeatureCache"]


_FORMAT = "uint16-counts"  # what a cached matrix holds; part of the key


class FeatureCache:
    """Parameters
    ----------
    root : Path
        Cache folder (default ``<arclf cache>/features``).
    max_bytes : int, default=4 GiB
    """

    def __init__(self, root: Path | None = None, *, max_bytes: int = 4 * 2**30):
        from arclf.corpus.base import cache_dir

        self.root = Path(root) if root else cache_dir() / "features"
        self.max_bytes = max_bytes

    @staticmethod
    def key(texts_fingerprint: str, featurizer) -> str:
        from arclf import __version__

        params = json.dumps(featurizer.get_params(deep=True), sort_keys=True, default=repr)
        return hashlib.sha256(f"{__version__}\n{_FORMAT}\n{texts_fingerprint}\n{params}".encode()).hexdigest()[:32]

    def get(self, key: str):
        """The cached count matrix of ``key``, or None; a damaged entry is removed with a warning."""
        import scipy.sparse as sp

        remove_stale_temporaries(self.root)  # what killed runs left behind
        path = self.root / f"{key}.npz"
        if not path.exists():
            return None
        try:
            X = sp.load_npz(path)
        except Exception as exc:  # truncated or damaged: zipfile.BadZipFile, EOFError, OSError, ValueError...
            import warnings

            warnings.warn(f"feature cache entry {path} is damaged ({exc.__class__.__name__}); removed, the features are recomputed")
            path.unlink(missing_ok=True)
            return None
        os.utime(path)
        return X.tocsr()

    def put(self, key: str, X) -> None:
        """Store ``X`` under ``key`` atomically, then evict the oldest entries beyond ``max_bytes``."""
        import scipy.sparse as sp

        self.root.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.root / f"{key}.npz", suffix=".tmp.npz") as tmp:
            sp.save_npz(tmp, X, compressed=False)
        self._evict()

    def _evict(self) -> None:
        files = sorted(self.root.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
        total = 0
        for path in files:
            total += path.stat().st_size
            if total > self.max_bytes:
                path.unlink(missing_ok=True)
