/// What a simulation hands each decision record to, in simulated-time order, when one is set
/// (`Simulation.decisionObserver`): a scenario run's counting of its expectations, which then
/// passes the record on.
///
/// A class rather than a closure so that the simulation can call it through a guaranteed
/// reference: a closure stored in the simulation was loaded, its context retained, called
/// through a reabstraction thunk and released again for every decision, four times per inner
/// packet (docs/performance.md, "Session 11: the event thread's rest").
///
/// Subclasses override `observe(_:)`; this base class takes each record and lets it go.
open class DecisionObserver {
    public init() {}

    /// Takes one decision record; it is the observer's to keep or hand on (no copy is made).
    open func observe(_ record: consuming DecisionRecord) {}
}
