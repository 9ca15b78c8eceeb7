print("PcapBench: not built yet")
