// React DOM's only HTML sink is `dangerouslySetInnerHTML` (`element.innerHTML = props.__html`). The
// extension never uses it (test/conventions.test.ts), so the build replaces that assignment with an
// error: no page of the extension can turn a string into markup, and Firefox's add-on linter, which
// flags every non-constant innerHTML assignment, has nothing to report.
import type { Plugin } from 'vite';

const sink = '(domElement.innerHTML = key);';
const replacement = '(() => { throw Error("grafana-sso: dangerouslySetInnerHTML is disabled"); })();';
/** react-dom 19's production client has the assignment twice (create and update). */
const expectedSites = 2;

export function noHtmlSink(): Plugin {
  return {
    name: 'grafana-sso:no-html-sink',
    apply: 'build',
    transform(code, id) {
      if (!/react-dom[\\/]cjs[\\/]react-dom-client\.production\.js$/.test(id)) return null;
      const sites = code.split(sink).length - 1;
      // A React upgrade that moves the sink must fail the build, not ship it silently.
      if (sites !== expectedSites) this.error(`expected ${expectedSites} dangerouslySetInnerHTML sinks in react-dom, found ${sites}`);
      return { code: code.replaceAll(sink, replacement), map: null };
    },
  };
}
