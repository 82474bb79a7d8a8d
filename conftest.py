# Loads the netspec pytest plugin for every test under this directory.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "harness"))
sys.path.insert(0, os.path.join(HERE, "conformance"))   # the suite's shared helpers (_server_util)
pytest_plugins = ["netspec_harness.plugin"]
