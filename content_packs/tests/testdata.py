from pathlib import Path

H5P = Path(__file__).resolve().parent / "h5p"
VALID = H5P / "valid"
INVALID = H5P / "invalid"
