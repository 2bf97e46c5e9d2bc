// The baseline of bench/coldstart.sh: the least a .NET program published like the console costs to start.
System.Console.WriteLine("Hello, world.");
