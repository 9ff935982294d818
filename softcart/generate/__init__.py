"""The dataset generator: a coherent SoftCart world written in the course's file formats.

``generate_dataset(out_dir, scale, seed)`` is the library entry point; ``softcart generate`` its
command (:func:`softcart.generate.cli.main`). See docs/generator.md.
"""

from softcart.generate.dataset import generate_dataset
from softcart.generate.formats import FILE_FORMATS

__all__ = ["FILE_FORMATS", "generate_dataset"]
