"""Meta-training of the bundled model (training extra: learn2learn, earthlib; never
imported by the plugin at run time)."""
