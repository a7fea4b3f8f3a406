import PrecisCore
