using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SafeIntake.Intake.Web;
using SafeIntake.Intake.Web.Security;
using Sodium;

// Native rates on this machine, 1 and 2 threads, for the work unit of each scheme at a real token's length:
// the old one (BLAKE2b-256 over context ‖ 0x00 ‖ token ‖ u64 nonce; 2^16 hashes expected) and the current one
// (one trial = PBKDF2-HMAC-SHA-256 with the token's iteration count; 2^difficulty trials expected), as a native
// attacker runs them: libsodium and .NET's PBKDF2 (OpenSSL on Linux). Then the server's cost to verify one answer.
// The machine is shared: each figure is measured in short rounds interleaved with the others, and the best round
// counts (the rate an undisturbed attacker gets), so load that comes and goes does not favour either scheme.
var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 0.25;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 12;
var defaults = new IntakeOptions();
var token = new string('A', 220); // an issued token is ~200-230 base64url characters
const int OldBits = 16;

double Rate(int threads, Func<long, long> work)
{
    var stop = Stopwatch.StartNew();
    var counts = new long[threads];
    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
    {
        long n = t * 1_000_000_000L, done = 0;
        while (stop.Elapsed.TotalSeconds < seconds)
        {
            done += work(n);
            n += 1;
        }

        counts[t] = done;
    });
    return counts.Sum() / stop.Elapsed.TotalSeconds;
}

var oldMessage = new byte[ProofOfWork.Context.Length + 1 + token.Length + 8];
Encoding.ASCII.GetBytes("SafeIntake/v1 pow", oldMessage);
Encoding.UTF8.GetBytes(token, oldMessage.AsSpan(18));
long Blake(long n)
{
    var m = (byte[])oldMessage.Clone();
    for (var i = 0; i < 256; i++)
    {
        BinaryPrimitives.WriteUInt64BigEndian(m.AsSpan(m.Length - 8), (ulong)(n * 256 + i));
        GenericHash.Hash(m, (byte[]?)null, 32);
    }

    return 256;
}

long Trial(long n)
{
    ProofOfWork.Trial(token, (ulong)n, defaults.PowIterations);
    return 1;
}

double blake1 = 0, blake2 = 0, trial1 = 0, trial2 = 0;
for (var r = 0; r < rounds; r++)
{
    blake1 = Math.Max(blake1, Rate(1, Blake));
    trial1 = Math.Max(trial1, Rate(1, Trial));
    blake2 = Math.Max(blake2, Rate(2, Blake));
    trial2 = Math.Max(trial2, Rate(2, Trial));
}

var verify = new List<double>();
for (var i = 0; i < 200; i++)
{
    var t = Stopwatch.GetTimestamp();
    ProofOfWork.Meets(token, (ulong)i, defaults.PowDifficulty, defaults.PowIterations);
    verify.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
}

verify.Sort();

// The attacker's best PBKDF2 (bench/PowBench/pbkdf2_fast.c, given by bench/pow.sh as HMAC iterations/s for 1 and 2
// threads) when faster than .NET's: that is what a serious attacker would run.
var fast = Environment.GetEnvironmentVariable("PBKDF2_FAST")?.Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
var dotnet1 = trial1;
var dotnet2 = trial2;
if (fast is [var f1, var f2])
{
    trial1 = Math.Max(trial1, f1 / defaults.PowIterations);
    trial2 = Math.Max(trial2, f2 / defaults.PowIterations);
}

var oldWork = Math.Pow(2, OldBits);
var newTrials = Math.Pow(2, defaults.PowDifficulty);
var before = blake2 / oldWork * 60;
var after = trial2 / newTrials * 60;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
    native rates on {Environment.ProcessorCount} cores, token of {token.Length} characters, best of {rounds} rounds of {seconds} s
      BLAKE2b-256 (old work unit)            1 thread {blake1,12:N0}/s   2 threads {blake2,12:N0}/s
      PBKDF2 trial, {defaults.PowIterations} iterations, .NET   1 thread {dotnet1,12:N0}/s   2 threads {dotnet2,12:N0}/s
      PBKDF2 trial, attacker's best        1 thread {trial1,12:N0}/s   2 threads {trial2,12:N0}/s  ({trial2 * defaults.PowIterations:N0} HMAC iterations/s)
    a 2-core native attacker, accepted submissions per minute (expected work; the global budget caps what is stored)
      before: BLAKE2b, {OldBits} bits ({oldWork:N0} hashes)          {before,10:N0}/min
      after:  PBKDF2, {defaults.PowDifficulty} bits x {defaults.PowIterations} iterations ({newTrials * defaults.PowIterations:N0})   {after,10:N0}/min   cost ratio after/before {before / after:F1}x
    server: verify one answer (one trial), ms: min {verify[0]:F2}, median {verify[verify.Count / 2]:F2}, p99 {verify[verify.Count * 99 / 100]:F2}
    load average at the end: {File.ReadAllText("/proc/loadavg").Trim()}
    """));
