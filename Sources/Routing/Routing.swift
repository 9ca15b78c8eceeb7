// The Routing layer re-exports the address types so its users need one import.
@_exported import NetAddress
