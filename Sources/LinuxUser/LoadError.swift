/// Why a program could not be started: one line for the user, and the exit status a shell
/// would give (127 for a program that does not exist, 2 for anything else wrong with it).
public struct LoadError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var status: Int32

    public static let missingStatus: Int32 = 127
    public static let badInputStatus: Int32 = 2

    public init(_ message: String, status: Int32 = LoadError.badInputStatus) {
        self.message = message
        self.status = status
    }

    public var description: String { message }
}
