/// What the cursor is on: a tensor, the head shown for per-head tensors, and an entry (row, column).
public struct Selection: Hashable, Sendable {
  public var tensor: TensorRef
  public var head: Int
  public var row: Int
  public var column: Int

  public init(tensor: TensorRef, head: Int = 0, row: Int = 0, column: Int = 0) {
    self.tensor = tensor
    self.head = head
    self.row = row
    self.column = column
  }
}
