"""fincloud: cloud-service governance for Taiwanese financial institutions.

The practice manual (金融機構使用雲端服務實務手冊) is data (`fincloud.catalog`), its decision
rules are pure functions (`fincloud.rules`, `fincloud.sla`), and the Django apps record what
people decided with them.
"""

__version__ = "0.1.0"
