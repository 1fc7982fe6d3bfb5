from mobilize.cli import main

main()
