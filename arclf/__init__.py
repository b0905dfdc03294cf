"""arclf: Arabic text classification — train from a config, compare runs honestly, classify articles.

The public API re-exported here is what the command line wraps::

    import arclf
    result = arclf.train("configs/ant-sections.yaml", overrides=["data.sample=3000"])
    preds = arclf.predict(result.bundle, ["نص الخبر ..."])
"""

__version__ = "0.1.0"

from .errors import ArclfError, BundleError, ConfigError, DataError, InputError  # noqa: E402

__all__ = [
    "__version__", "ArclfError", "BundleError", "ConfigError", "DataError", "InputError",
    "train", "predict", "load_bundle", "load_config", "load_corpus",
]


def __getattr__(name):  # lazy: `import arclf` must stay fast for `arclf predict`
    if name == "train":
        from .train import train
        return train
    if name == "predict":
        from .predict import predict
        return predict
    if name == "load_bundle":
        from .bundle import load_bundle
        return load_bundle
    if name == "load_config":
        from .config import load_config
        return load_config
    if name == "load_corpus":
        from .data import load_corpus
        return load_corpus
    raise AttributeError(f"module 'arclf' has no attribute {name!r}")
