// Packets name hosts with NetAddress's types; re-exported so `import Packet` is enough to use
// IPPacketSummary, PacketBuilder and Endpoint together (Routing does the same).
@_exported import NetAddress
