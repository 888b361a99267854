"""evalstage: stage-by-stage evaluation of RAG systems and tool-using agents.

The installed distribution has one top-level import name, ``evalstage``. Its subpackages are the
repository's top-level folders (``evalstage.evalcore`` is ``evalcore/``, ``evalstage.flows`` is
``flows/`` …), mapped by the build backend (``[tool.setuptools.package-dir]`` in pyproject.toml),
so a team's own ``app`` or ``flows`` package is never shadowed.
"""

__version__ = "0.2.0"
"""The release, semantic versioning (https://semver.org): see CHANGELOG.md."""
