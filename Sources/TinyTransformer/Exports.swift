// The model speaks in the engine's tensors: importing TinyTransformer brings Autodiff's `Tensor` along.
@_exported import Autodiff
