import Foundation
import TinyTransformer

/// The largest entrywise relative difference between two tensors of one shape: |a − b| / max(|a|, |b|), where
/// entries smaller than `floor` in magnitude are measured against `floor` instead — so a value that is zero in
/// exact arithmetic (∂loss/∂k_linear.bias is: softmax ignores a constant added to a row) and comes out as
/// ±1e-17 rounding noise both ways is not a failure. The absolute allowance below the floor is
/// `tolerance × floor`: with a floor of 1e-6 of the largest gradient and a tolerance of 1e-9, that is 1e-15 of it.
public func relativeDifference(_ a: Tensor, _ b: Tensor, floor: Double = 1e-300) -> Double {
  precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
  var worst = 0.0
  for (x, y) in zip(a.data, b.data) where x != y {
    worst = max(worst, abs(x - y) / max(abs(x), abs(y), floor))
  }
  return worst
}

/// The relative difference of two numbers, |a − b| / max(|a|, |b|).
public func relativeDifference(_ a: Double, _ b: Double) -> Double {
  a == b ? 0 : abs(a - b) / max(abs(a), abs(b))
}

/// Reads a file next to a test (in its bundle's resources, or by path as a fallback).
public func readText(_ url: URL) throws -> String {
  try String(contentsOf: url, encoding: .utf8)
}
