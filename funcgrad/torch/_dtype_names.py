"""The names PyTorch's messages give dtypes: ScalarType names (`Float`), C++ type names
(`float`, `long int`) and legacy tensor type names (`torch.FloatTensor`)."""
from __future__ import annotations

import numpy as np

_SCALAR_TYPES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                 "uint8": "Byte", "int16": "Short", "int32": "Int", "int64": "Long",
                 "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
                 "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}
_CPP_TYPES = {"float16": "c10::Half", "float32": "float", "float64": "double",
              "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
              "int8": "signed char", "uint8": "unsigned char", "int16": "short int",
              "int32": "int", "int64": "long int", "bool": "bool", "uint16": "short unsigned int",
              "uint32": "unsigned int", "uint64": "long unsigned int"}


def scalar_type_name(dtype) -> str:
    """`Float`, `Double`, `Long`, `ComplexFloat`..."""
    return _SCALAR_TYPES[np.dtype(dtype).name]


def cpp_name(dtype) -> str:
    """`float`, `double`, `long int`, `c10::Half`..."""
    return _CPP_TYPES[np.dtype(dtype).name]


def legacy_type_name(dtype) -> str:
    """`torch.FloatTensor`; complex tensors have no legacy class: `CPUComplexFloatType`."""
    name = scalar_type_name(dtype)
    return f"CPU{name}Type" if name.startswith("Complex") else f"torch.{name}Tensor"
