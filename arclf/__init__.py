"""arclf: Arabic text classification — train from a config, compare runs honestly, classify articles.

The public API re-exported here is what the command line wraps::

    import arclf
    result = arclf.train("configs/ant-sections.yaml", overrides=["data.sample=3000"])
    preds = arclf.predict(result.bundle, ["نص الخبر ..."])
"""

__version__ = "0.1.0"

from arclf.errors import ArclfError, BundleError, ConfigError, DataError, InputError  # noqa: E402

__all__ = [
    "__version__", "ArclfError", "BundleError", "ConfigError", "DataError", "InputError",
    "train", "predict", "load_bundle", "load_config", "load_corpus",
]


_LAZY = {  # public name -> module holding it (module names differ from function names on purpose:
    # a submodule called `train` would replace the function `arclf.train` once imported)
    "train": "training", "predict": "prediction", "load_bundle": "bundle", "load_config": "config",
    "load_corpus": "corpus",
}


def __getattr__(name):  # lazy: `import arclf` must stay fast for `arclf predict`
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'arclf' has no attribute {name!r}")
