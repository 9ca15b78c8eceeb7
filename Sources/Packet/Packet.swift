// The Packet layer; see docs/design.md in ../shared for what it owns.
