import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// dxemu's command line. Exit codes (SPEC §4): 0 ok, 1 bad input (with a clear
/// message on stderr), 2 usage error; anything else is a bug.
struct Dxemu: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dxemu",
        abstract: "A packet-level emulator for AWS Direct Connect / VPN failover.",
        subcommands: [FailoverCommand.self, CompareCommand.self, RunCommand.self, ReplayCommand.self, SweepCommand.self, SweepMergeCommand.self, InspectCommand.self, BenchCommand.self, SampleCaptureCommand.self]
    )
}

/// A fault in the user's input: printed as `dxemu: <message>`, exit code 1.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@main
enum Main {
    static func main() {
        do {
            var command = try Dxemu.parseAsRoot()
            try command.run()
            Output.flush()
        } catch let error as InputError {
            Output.flush()
            Output.error("dxemu: \(error.description)")
            exit(1)
        } catch let code as ExitCode {
            Output.flush()
            exit(code.rawValue)
        } catch {
            Output.flush()
            let code = Dxemu.exitCode(for: error)
            let message = Dxemu.fullMessage(for: error)
            if code == .success {
                print(message)
                exit(0)
            }
            Output.error(message)
            exit(2)
        }
    }
}
