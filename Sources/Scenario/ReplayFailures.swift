import Sim

extension ScenarioRun {
    /// The first replay whose trace could not be read again during the run (it changed or
    /// vanished after the scenario was loaded), as an error at its event's line; nil when every
    /// replay read what loading checked. A run with such a replay keeps none of its outputs.
    public var replayFailure: ScenarioError? {
        for event in scenario.events {
            if case .replay(_, _, let trace) = event.action, let failure = trace.failure {
                return event.location.error(failure)
            }
        }
        return nil
    }
}
