"""The foundation: settings (the one place for configuration), connections built from them, and the
local secrets. Imports nothing else of the project; every other layer may import it."""
