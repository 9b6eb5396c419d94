import Foundation
import QKVCommands

exit(QKV.main(Array(CommandLine.arguments.dropFirst())))
