print("SimBench: not built yet")
