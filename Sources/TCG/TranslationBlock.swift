import Backend
import Interpreter

/// One translated block: where its guest code is, and how to run it.
struct TranslationBlock {
    var guestPC: UInt64
    var guestEnd: UInt64
    var instructionCount: Int
    /// JIT: the compiled code. nil under the interpreter.
    var compiled: CompiledBlock?
    /// Interpreter: the prepared IR. nil under the JIT.
    var interpreted: InterpretedBlock?
    /// Interpreter only: the block each goto_tb slot led to last time (a cheap form of chaining).
    var successor: (Int32, Int32) = (-1, -1)
    /// Translated without the optimizer and counting its runs (`EngineOptions.runsBeforeOptimizing`);
    /// false again once it has been translated with the optimizer.
    var counted = false
}
