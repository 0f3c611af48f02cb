"""servebench's model zoo: train, compress, export and document the models it benchmarks.

Everything here is built locally from Debian's PyTorch, torchvision and scikit-learn (whose
bundled digits data set is the only data used), from fixed seeds, so that two machines that
prepare the zoo benchmark the same models. `models/prepare.py` is the entry point.
"""
