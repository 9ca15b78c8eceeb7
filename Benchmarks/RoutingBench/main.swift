print("RoutingBench: not built yet")
