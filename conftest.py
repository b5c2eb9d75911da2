pytest_plugins = ["tests.fixtures", "tests.services"]
