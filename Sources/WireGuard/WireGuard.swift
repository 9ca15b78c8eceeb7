// The WireGuard layer: the protocol, sans-IO (docs/architecture.md says what it owns).
