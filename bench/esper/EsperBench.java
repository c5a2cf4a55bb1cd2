// Esper's side of the side-by-side benchmark (bench/esper.bench.ts). Reads commands on
// standard input, one a line:
//
//   run <scenario> <epl-file> <events-file>
//
// compiles the EPL module (once per scenario), deploys it on a fresh runtime with external
// time, sends every event of the file in order (time advanced with advanceTimeSpan, so each
// timer fires at its own time, as vigil's do), and prints one JSON line:
// {"scenario":..,"seconds":..,"events":..,"fires":{"rule":count,...}}.
//
// Statement names say how a statement's output becomes alert firings, so both engines are
// held to the same alert semantics and compared on the firing count per rule:
//   occurs:NAME  a selector without `by`: a match fires unless the last one is less than
//                the quiet time (5 min) ago
//   thr:NAME     a grouped window aggregate selecting (host, h): fires when h turns true
//   latest:NAME  selecting (host, h) per event: fires when h turns true for the host
//   absent:NAME  a pattern: each output is one firing
//   seq:NAME     a join selecting (host, t) per pair: fires unless the host's last pair is
//                less than the quiet time ago
// Events file lines: L,t,host,service,level | M,t,host,name,value | H,t,host,check,status.

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.common.client.EventBean;
import com.espertech.esper.common.client.configuration.Configuration;
import com.espertech.esper.compiler.client.CompilerArguments;
import com.espertech.esper.compiler.client.EPCompilerProvider;
import com.espertech.esper.runtime.client.EPDeployment;
import com.espertech.esper.runtime.client.EPEventService;
import com.espertech.esper.runtime.client.EPRuntime;
import com.espertech.esper.runtime.client.EPRuntimeProvider;
import com.espertech.esper.runtime.client.EPStatement;
import com.espertech.esper.runtime.client.UpdateListener;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

public class EsperBench {
    static final long QUIET_MS = 5 * 60_000L;

    static final String SCHEMAS =
        "@public @buseventtype create objectarray schema Log(t long, host string, service string, level string);\n" +
        "@public @buseventtype create objectarray schema Metric(t long, host string, name string, value double);\n" +
        "@public @buseventtype create objectarray schema Health(t long, host string, check string, status string);\n";

    /** One events file, parsed once: the type of each event and its prebuilt object array. */
    static final class Events {
        final String[] types;
        final Object[][] rows;
        final long[] times;

        Events(List<String> lines) {
            int n = 0;
            for (String line : lines) if (!line.isEmpty()) n++;
            types = new String[n];
            rows = new Object[n][];
            times = new long[n];
            int i = 0;
            for (String line : lines) {
                if (line.isEmpty()) continue;
                String[] f = line.split(",", -1);
                long t = Long.parseLong(f[1]);
                times[i] = t;
                switch (f[0]) {
                    case "L": types[i] = "Log"; rows[i] = new Object[] {t, f[2], f[3], f[4]}; break;
                    case "M": types[i] = "Metric"; rows[i] = new Object[] {t, f[2], f[3], Double.parseDouble(f[4])}; break;
                    case "H": types[i] = "Health"; rows[i] = new Object[] {t, f[2], f[3], f[4]}; break;
                    default: throw new IllegalArgumentException("bad event line: " + line);
                }
                i++;
            }
        }
    }

    /** Counts one statement's firings. */
    abstract static class Counter implements UpdateListener {
        long fires;
    }

    static final class Occurs extends Counter {
        long quietUntil = Long.MIN_VALUE;

        public void update(EventBean[] in, EventBean[] out, EPStatement s, EPRuntime r) {
            if (in == null) return;
            for (EventBean e : in) {
                long t = (Long) e.get("t");
                if (t >= quietUntil) fires++;
                quietUntil = t + QUIET_MS;
            }
        }
    }

    static final class Turns extends Counter {
        final HashMap<String, Boolean> holding = new HashMap<>();

        public void update(EventBean[] in, EventBean[] out, EPStatement s, EPRuntime r) {
            if (in == null) return;
            for (EventBean e : in) {
                boolean h = Boolean.TRUE.equals(e.get("h"));
                Boolean was = holding.put((String) e.get("host"), h);
                if (h && (was == null || !was)) fires++;
            }
        }
    }

    static final class Each extends Counter {
        public void update(EventBean[] in, EventBean[] out, EPStatement s, EPRuntime r) {
            if (in != null) fires += in.length;
        }
    }

    static final class Pairs extends Counter {
        final HashMap<String, Long> quietUntil = new HashMap<>();

        public void update(EventBean[] in, EventBean[] out, EPStatement s, EPRuntime r) {
            if (in == null) return;
            for (EventBean e : in) {
                String host = (String) e.get("host");
                long t = (Long) e.get("t");
                Long until = quietUntil.get(host);
                if (until == null || t >= until) fires++;
                quietUntil.put(host, t + QUIET_MS);
            }
        }
    }

    static Counter counterFor(String kind) {
        switch (kind) {
            case "occurs": return new Occurs();
            case "thr": case "latest": return new Turns();
            case "absent": return new Each();
            case "seq": return new Pairs();
            default: throw new IllegalArgumentException("unknown statement kind " + kind);
        }
    }

    static Configuration configuration() {
        Configuration config = new Configuration();
        config.getRuntime().getThreading().setInternalTimerEnabled(false);
        return config;
    }

    public static void main(String[] args) throws Exception {
        Configuration config = configuration();
        CompilerArguments schemaArgs = new CompilerArguments(config);
        EPCompiled schemas = EPCompilerProvider.getCompiler().compile(SCHEMAS, schemaArgs);
        Map<String, EPCompiled> compiled = new HashMap<>();
        Map<String, Events> eventFiles = new HashMap<>();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int round = 0;
        String line;
        System.out.println("{\"ready\":true}");
        System.out.flush();
        while ((line = stdin.readLine()) != null) {
            String[] cmd = line.trim().split(" ");
            if (cmd.length == 0 || cmd[0].isEmpty()) continue;
            if (!cmd[0].equals("run") || cmd.length != 4) throw new IllegalArgumentException("bad command: " + line);
            String scenario = cmd[1];
            EPCompiled module = compiled.get(scenario);
            if (module == null) {
                CompilerArguments ruleArgs = new CompilerArguments(config);
                ruleArgs.getPath().add(schemas);
                module = EPCompilerProvider.getCompiler().compile(Files.readString(Path.of(cmd[2])), ruleArgs);
                compiled.put(scenario, module);
            }
            Events events = eventFiles.computeIfAbsent(cmd[3], p -> {
                try {
                    return new Events(Files.readAllLines(Path.of(p)));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });

            EPRuntime runtime = EPRuntimeProvider.getRuntime("bench-" + (round++), config);
            EPEventService service = runtime.getEventService();
            long now = events.times.length > 0 ? events.times[0] : 0;
            service.clockExternal();
            service.advanceTime(now);
            runtime.getDeploymentService().deploy(schemas);
            EPDeployment deployment = runtime.getDeploymentService().deploy(module);
            TreeMap<String, Counter> counters = new TreeMap<>();
            for (EPStatement statement : deployment.getStatements()) {
                String name = statement.getName();
                int colon = name.indexOf(':');
                if (colon < 0) continue;
                Counter counter = counterFor(name.substring(0, colon));
                statement.addListener(counter);
                counters.put(name.substring(colon + 1), counter);
            }

            long t0 = System.nanoTime();
            String[] types = events.types;
            Object[][] rows = events.rows;
            long[] times = events.times;
            for (int i = 0; i < rows.length; i++) {
                long t = times[i];
                if (t > now) {
                    service.advanceTimeSpan(t);
                    now = t;
                }
                service.sendEventObjectArray(rows[i], types[i]);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;

            StringBuilder out = new StringBuilder();
            out.append("{\"scenario\":\"").append(scenario).append("\",\"seconds\":").append(seconds)
                .append(",\"events\":").append(rows.length).append(",\"fires\":{");
            boolean first = true;
            for (Map.Entry<String, Counter> entry : counters.entrySet()) {
                if (!first) out.append(',');
                first = false;
                out.append('"').append(entry.getKey()).append("\":").append(entry.getValue().fires);
            }
            out.append("}}");
            System.out.println(out);
            System.out.flush();
            runtime.destroy();
        }
    }
}
