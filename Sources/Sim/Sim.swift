// The Sim layer; see docs/design.md in ../shared for what it owns.
