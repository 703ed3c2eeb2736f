from ecrrep.cli import main

main()
