"""What trains and evaluates the model, never shipped in the plugin: meta-training
(learn2learn), the leave-one-scene-out evaluation against scikit-learn baselines, the
simulated analyst, the nested choice of the card's settings. It imports the runtime
(``core``); the runtime never imports it."""
