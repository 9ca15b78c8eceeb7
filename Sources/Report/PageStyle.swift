/// The page's style sheet: readable on screen, and printable (the player's controls hidden,
/// every section shown, wide pictures scaled to the page).
enum PageStyle {
    static let css = """
    body { font-family: sans-serif; margin: 1.5em; color: #111; background: #fff; max-width: 100%; }
    h1 { font-size: 1.6em; margin-bottom: 0.2em; }
    h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
    nav a { margin-right: 1em; }
    section { margin-bottom: 2em; }
    .scroll { overflow: auto; max-height: 80vh; border: 1px solid #ddd; }
    p.omitted { background: #fff8e0; border-left: 4px solid #d8a000; padding: 0.4em 0.6em; }
    p.summary, p.hint { color: #333; }
    svg text { font-family: sans-serif; }
    svg.ladder g.arrow { cursor: pointer; }
    svg.ladder g.arrow.current path { stroke-width: 4; }
    svg.ladder g.arrow.current text { font-weight: bold; fill: #000; }
    svg.ladder g.arrow:target path { stroke-width: 4; }
    .player-controls { display: flex; gap: 1em; align-items: center; }
    .player-controls button { font-size: 1em; padding: 0.3em 0.8em; }
    #player-decision pre { white-space: pre-wrap; background: #f6f6f6; padding: 0.5em; }
    #player-decision p.where { font-weight: bold; }
    #player-table { border-collapse: collapse; margin-top: 0.5em; }
    #player-table td, #player-table th { border: 1px solid #ccc; padding: 0.15em 0.6em; font-family: monospace; }
    #player-table tr.matched td { background: #ffe680; font-weight: bold; }
    #player-table tr.matched td:first-child::before { content: "▶ "; }
    li.expectation { margin: 0.3em 0; }
    li.expectation[data-result=pass] .result { color: #1b7837; font-weight: bold; }
    li.expectation[data-result=fail] .result { color: #c51b1b; font-weight: bold; }
    li.expectation .steps a { margin-left: 0.2em; }
    @media print {
      .player-controls, p.hint, nav { display: none; }
      .scroll { overflow: visible; max-height: none; border: none; }
      section { display: block !important; page-break-inside: auto; }
      svg { max-width: 100%; height: auto; }
      a { color: inherit; text-decoration: none; }
    }
    """
}
