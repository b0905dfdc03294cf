"""arclf: Arabic text classification — train from a config, compare runs honestly, classify articles.

The public API re-exported here is what the command line wraps::

    import arclf
    result = arclf.train("configs/ant-sections.yaml", overrides=["data.sample=3000"])
    preds = arclf.predict(result.bundle, ["نص الخبر ..."])
"""

__version__ = "0.1.0"

from arclf.errors import ArclfError, BundleError, ConfigError, DataError, InputError  # noqa: E402
from arclf.util.lazy import lazy_exports  # noqa: E402

__all__ = [
    "__version__", "ArclfError", "BundleError", "ConfigError", "DataError", "InputError",
    "train", "predict", "load_bundle", "load_config", "load_corpus",
]


# public name -> module holding it (module names differ from function names on purpose:
# a submodule called `train` would replace the function `arclf.train` once imported);
# lazy, so that `import arclf` stays fast for `arclf predict`
__getattr__, __dir__ = lazy_exports(__name__, {
    "train": "training", "predict": "prediction", "load_bundle": "bundle", "load_config": "config",
    "load_corpus": "corpus",
})
