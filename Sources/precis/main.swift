print("precis")
