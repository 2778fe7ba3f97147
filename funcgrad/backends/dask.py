"""Dask arrays: chunked, lazy, from one laptop to a cluster (`dask.distributed`).

array_api_compat's Dask namespace carries dask.array's own NumPy-named functions too (`einsum`,
`cbrt`...), so most of NumPy's names resolve to a lazy Dask function without help. This adapter
adds what neither provides, and names what Dask cannot run.
"""
NUMPY_NAMES: dict = {}
PRIMITIVES: dict = {}
UNSUPPORTED: dict = {}
