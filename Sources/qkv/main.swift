print("qkv")
