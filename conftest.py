# Loads the netspec pytest plugin for every test under this directory.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "harness"))
pytest_plugins = ["netspec_harness.plugin"]
