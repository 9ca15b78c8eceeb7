print("CryptoBench: not built yet")
