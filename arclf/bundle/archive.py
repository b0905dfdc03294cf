"""The bundle file: one zip of a JSON manifest and ``.npy`` arrays, checked before anything is used.

Layout (format :data:`FORMAT_VERSION`)::

    manifest.json          format, versions, creation time, resolved config, tasks, labels,
                           data fingerprint, run metrics, and per array member its dtype,
                           shape, size and SHA-256
    tasks/<i>/<name>.npy   the arrays of task ``i`` (NumPy's own file format, numeric dtypes only)

Why ``.npy`` in a zip rather than safetensors: NumPy is already a dependency and its format is
documented and stable; ``numpy.load(..., allow_pickle=False)`` refuses any object array, so no
byte of the file reaches pickle; one zip keeps the bundle one file that can be copied and
published; and the labels, config and metrics are JSON in the manifest, which safetensors'
string-only metadata would have to nest as escaped JSON anyway.

:func:`read_archive` trusts nothing before checking it, in this order: the first bytes (a pickle,
e.g. a bundle of arclf's earlier joblib format, is refused with how to convert it), the zip
directory (truncated or damaged), the declared sizes (a zip bomb), the manifest's format version,
the member list, each member's SHA-256, then each array's dtype and shape against the manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from pathlib import Path

import numpy as np

from arclf.errors import BundleError
from arclf.util.files import atomic_path

__all__ = ["FORMAT_VERSION", "FORMAT_NAME", "MANIFEST", "MAX_BYTES", "write_archive", "read_archive", "read_manifest",
           "convert_hint"]

FORMAT_NAME = "arclf-bundle"
#: Version of the bundle format this arclf writes and reads. 2 was a joblib pickle.
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
#: Most uncompressed bytes a bundle may declare, all members together (a zip bomb declares more).
MAX_BYTES = 4 << 30
#: Most bytes the manifest may declare.
MAX_MANIFEST_BYTES = 64 << 20
#: Largest uncompressed / compressed size ratio of a member over 1 MiB (deflate stays far below it on weights).
MAX_RATIO = 200
_DTYPES = {"<f4", "<f8", "<i4", "<i8"}
_NPY_HEADER_MAX = 1 << 16


def convert_hint(path) -> str:
    """The sentence telling how to convert an old pickled bundle at ``path``."""
    return (f"if you trust where it came from, convert it once with `arclf bundle convert {path} NEW.arclf "
            "--trust-pickle` (the only command that unpickles), or retrain it with `arclf train`")


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def write_archive(path: str | Path, manifest: dict, arrays: dict, *, compresslevel: int = 6) -> Path:
    """Write ``manifest`` and ``arrays`` as one bundle file, atomically.

    Parameters
    ----------
    path : str or Path
    manifest : dict
        JSON-serializable; ``format``, ``format_version`` and ``arrays`` (member -> dtype, shape,
        bytes, sha256) are filled in.
    arrays : dict of str to ndarray
        Member name (``tasks/0/coef.npy``) -> numeric array (float32/64, int32/64).
    compresslevel : int, default=6
        Deflate level of every member.

    Returns
    -------
    Path

    Raises
    ------
    BundleError
        An array's dtype is not numeric (it would need pickle).
    """
    path = Path(path)
    blobs, table = {}, {}
    for name, array in arrays.items():
        array = np.asarray(array)
        if array.dtype.byteorder == ">" or array.dtype.str not in _DTYPES:
            array = array.astype(array.dtype.newbyteorder("<")) if array.dtype.kind in "fi" else array
        if array.dtype.str not in _DTYPES:
            raise BundleError(f"array {name} has dtype {array.dtype}; a bundle holds only {sorted(_DTYPES)}")
        blob = _npy_bytes(array)
        blobs[name] = blob
        table[name] = {"dtype": array.dtype.str, "shape": list(array.shape), "bytes": len(blob),
                       "sha256": hashlib.sha256(blob).hexdigest()}
    manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
                **{k: v for k, v in manifest.items() if k not in ("format", "format_version", "arrays")}, "arrays": table}
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=False).encode("utf-8")
    with atomic_path(path) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
            zf.writestr(MANIFEST, text)
            for name, blob in blobs.items():
                zf.writestr(name, blob)
    return path


def _sniff(file: Path) -> None:
    """Refuse, from its first bytes, a file that is not a zip: a pickle (old bundle) or anything else."""
    try:
        with open(file, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise BundleError(f"{file}: cannot read the bundle ({exc.strerror})") from None
    if head.startswith(b"PK\x03\x04"):
        return
    if not head:
        raise BundleError(f"{file}: the bundle file is empty")
    zlib_header = len(head) >= 2 and head[0] == 0x78 and (head[0] << 8 | head[1]) % 31 == 0
    if head[:1] == b"\x80" or zlib_header or head[:2] in (b"\x1f\x8b", b"BZ") or head[:3] == b"\xfd7z":
        raise BundleError(f"{file}: a pickled bundle (arclf's earlier joblib format); arclf no longer loads pickles "
                          f"because loading one can run any code; {convert_hint(file)}")
    if head.startswith(b"PK"):
        raise BundleError(f"{file}: truncated or damaged bundle (the zip archive is incomplete); copy it again")
    raise BundleError(f"{file}: not an arclf bundle (not a zip archive); train one with `arclf train CONFIG`")


def _check_sizes(file: Path, infos: list) -> None:
    if len(infos) > 10_000:
        raise BundleError(f"{file}: {len(infos)} members; not an arclf bundle")
    total = sum(i.file_size for i in infos)
    if total > MAX_BYTES:
        raise BundleError(f"{file}: members declare {total:,} bytes uncompressed (limit {MAX_BYTES:,}): "
                          "refusing a possible zip bomb")
    for i in infos:
        if i.file_size > 1 << 20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise BundleError(f"{file}: member {i.filename} declares {i.file_size:,} bytes from {i.compress_size:,} "
                              f"compressed (over {MAX_RATIO}x): refusing a possible zip bomb")


def _read_member(file: Path, zf: zipfile.ZipFile, info, limit: int) -> bytes:
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise BundleError(f"{file}: bundle corrupted or modified: {info.filename} ({exc.__class__.__name__})") from None
    if len(data) > limit:
        raise BundleError(f"{file}: member {info.filename} is larger than it declares: refusing a possible zip bomb")
    return data


def _open(file: Path) -> zipfile.ZipFile:
    if not file.exists():
        raise BundleError(f"{file}: no model bundle here; train one with `arclf train CONFIG`")
    _sniff(file)
    try:
        return zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BundleError(f"{file}: truncated or damaged bundle ({exc}); copy it again") from None


def _manifest(file: Path, zf: zipfile.ZipFile) -> dict:
    infos = zf.infolist()
    _check_sizes(file, infos)
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise BundleError(f"{file}: a zip without {MANIFEST}; not an arclf bundle") from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise BundleError(f"{file}: {MANIFEST} declares {info.file_size:,} bytes (limit {MAX_MANIFEST_BYTES:,})")
    raw = _read_member(file, zf, info, MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BundleError(f"{file}: bundle corrupted or modified: {MANIFEST} (not valid JSON)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BundleError(f"{file}: {MANIFEST} is not an arclf bundle manifest")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        if isinstance(version, int) and version > FORMAT_VERSION:
            what = "upgrade arclf (pip install -U arclf) to read it"
        else:
            what = "retrain it with this arclf (`arclf train CONFIG`)"
        raise BundleError(f"{file}: bundle format {version!r}, this arclf {_version()} reads format {FORMAT_VERSION}; {what}")
    table = manifest.get("arrays")
    if not isinstance(table, dict):
        raise BundleError(f"{file}: bundle corrupted or modified: {MANIFEST} lists no arrays")
    names = {i.filename for i in infos} - {MANIFEST}
    if names != set(table):
        extra, missing = sorted(names - set(table)), sorted(set(table) - names)
        raise BundleError(f"{file}: bundle corrupted or modified: members {extra or missing} "
                          f"{'not in the manifest' if extra else 'missing'}")
    return manifest


def _version() -> str:
    from arclf import __version__

    return __version__


def read_manifest(path: str | Path) -> dict:
    """The checked manifest of a bundle file (format, sizes, member list), without reading the arrays.

    Raises
    ------
    BundleError
        As :func:`read_archive`, except checksums and array shapes, which are not read.
    """
    file = Path(path)
    with _open(file) as zf:
        return _manifest(file, zf)


def _array(file: Path, zf: zipfile.ZipFile, name: str, entry: dict) -> np.ndarray:
    try:
        dtype, shape, sha = str(entry["dtype"]), tuple(int(n) for n in entry["shape"]), str(entry["sha256"])
    except (KeyError, TypeError, ValueError):
        raise BundleError(f"{file}: bundle corrupted or modified: {MANIFEST} entry of {name}") from None
    if dtype not in _DTYPES or any(n < 0 for n in shape):
        raise BundleError(f"{file}: bundle corrupted or modified: {name} declares dtype {dtype} shape {shape}")
    info = zf.getinfo(name)
    data_bytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
    if not data_bytes <= info.file_size <= data_bytes + _NPY_HEADER_MAX:
        raise BundleError(f"{file}: bundle corrupted or modified: {name} holds {info.file_size:,} bytes, "
                          f"its manifest shape {list(shape)} needs {data_bytes:,}")
    raw = _read_member(file, zf, info, info.file_size)
    if hashlib.sha256(raw).hexdigest() != sha:
        raise BundleError(f"{file}: bundle corrupted or modified: {name}")
    try:
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise BundleError(f"{file}: bundle corrupted or modified: {name} ({exc})") from None
    if array.dtype.str != dtype or array.shape != shape:
        raise BundleError(f"{file}: bundle corrupted or modified: {name} is {array.dtype.str} {list(array.shape)}, "
                          f"the manifest says {dtype} {list(shape)}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():  # no fitted weight, idf or map is NaN or infinite
        raise BundleError(f"{file}: bundle corrupted or modified: {name} holds NaN or infinite values")
    return array


def read_archive(path: str | Path) -> tuple[dict, dict]:
    """Read and check a bundle file: ``(manifest, {member: ndarray})``.

    Nothing in the file is executed: the manifest is JSON, arrays are read with
    ``numpy.load(..., allow_pickle=False)`` after their SHA-256 matched the manifest.

    Raises
    ------
    BundleError
        One line naming the file and what is wrong: missing, empty, a pickle (with how to
        convert it), not a zip, truncated, a possible zip bomb, another format version (naming
        both versions and what to do), a member changed ("bundle corrupted or modified:
        <member>"), or an array whose dtype or shape differs from the manifest.
    """
    file = Path(path)
    with _open(file) as zf:
        manifest = _manifest(file, zf)
        arrays = {name: _array(file, zf, name, entry) for name, entry in manifest["arrays"].items()}
    return manifest, arrays
