"""Build the Cython extensions in ``chronus/_ext``; everything else lives in pyproject.toml."""

from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

# Every chronus/_ext/<name>.pyx becomes the module chronus._ext.<name>.
EXTENSIONS = [
    Extension(
        f"chronus._ext.{source.stem}",
        [str(source)],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3"],
    )
    for source in sorted(Path("chronus/_ext").glob("*.pyx"))
]

setup(
    ext_modules=cythonize(
        EXTENSIONS,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False, "cdivision": True},
    ),
)
